package dev.fmnist.inference.serving;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.PhotoConversion;
import dev.fmnist.proto.v1.InputExplanation;

/**
 * What one image became on its way to the model: the 784 gray levels it reads and how they were made,
 * which {@code explain} returns to the client.
 *
 * @param levels the 784 gray levels, row-major, 0 = black
 * @param conversion {@link #AS_SENT}, {@link #PHOTO} or {@link #NONE}
 * @param sourceWidth the image's width as sent
 * @param sourceHeight its height
 * @param background the background the photo conversion found on the border; null unless converted as a photo
 * @param garment the garment's box in the image as sent; null unless converted as a photo
 */
record ModelInput(byte[] levels, String conversion, int sourceWidth, int sourceHeight,
        PhotoConversion.Background background, PhotoConversion.Box garment) {

    /** Levels as sent: raw or float pixels, or a dataset-style image under CONVERSION_AUTO. */
    static final String AS_SENT = "as-sent";
    /** Converted as a product photo. */
    static final String PHOTO = "photo";
    /** Gray levels as sent, scaled to 28x28 if asked (CONVERSION_NONE). */
    static final String NONE = "none";

    static ModelInput asSent(byte[] levels) {
        return new ModelInput(levels, AS_SENT, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE, null, null);
    }

    InputExplanation explanation() {
        InputExplanation.Builder explanation = InputExplanation.newBuilder().setPixels(ByteString.copyFrom(levels))
                .setConversion(conversion).setSourceWidth(sourceWidth).setSourceHeight(sourceHeight);
        if (background != null) {
            explanation.setBackground(background.level()).setNegated(background.light());
        }
        if (garment != null) {
            explanation.setGarmentX(garment.x()).setGarmentY(garment.y()).setGarmentWidth(garment.width())
                    .setGarmentHeight(garment.height());
        }
        return explanation.build();
    }
}
