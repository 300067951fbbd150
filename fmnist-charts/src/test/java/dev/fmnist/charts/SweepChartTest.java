package dev.fmnist.charts;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class SweepChartTest {

    @Test
    void rendersAPngOfTheDocumentedSize() throws IOException {
        byte[] png = new SweepChart("CompareNet", "k").add(3, 0.8613).add(4, 0.8543).add(5, 0.8585).png();

        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isEqualTo(SweepChart.WIDTH);
        assertThat(image.getHeight()).isEqualTo(SweepChart.HEIGHT);
    }
}
